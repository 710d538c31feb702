// session.js: who is signed in, and what their role may do. The API
// decides; the page only leaves out what would be refused.

export const session = { id: '', name: '', role: '' };

const allowed = {
  batch: ['crawler', 'analyst', 'admin'],
  banks: ['analyst', 'admin'], // list banks and items, open an item, retract, re-activate
};

/** can tells whether the signed-in role may do what ("batch", "banks"). */
export function can(what) {
  return (allowed[what] || []).includes(session.role);
}

/** rolesFor lists the roles that may do what, for a data-roles attribute. */
export function rolesFor(what) { return allowed[what] || []; }
