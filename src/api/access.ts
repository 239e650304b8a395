// The API's side of access control: the privilege check the actors call for EXECUTE, and the
// login check of db.connect({ user }).
import type { ActorSystem } from '../../actors/system.js';
import { authorize } from '../analysis/authorize.js';
import { DispatcherError, SqlState } from './errors.js';

/** Lets the session actors check statements they resolve themselves (EXECUTE of a named statement). */
export function installAccessControl(system: ActorSystem): void {
  system.authorize = (user, st) => {
    const denied = authorize(user, st, system.access.current);
    if (denied !== null) throw denied;
  };
}

/** 28000 for a role that does not exist or may not log in; else the role's CONNECTION LIMIT, if any. */
export function checkLogin(system: ActorSystem, user: string): number | undefined {
  const can = system.access.canLogin(user);
  if (can === 'missing') throw new DispatcherError(SqlState.InvalidAuthorization, `role "${user}" does not exist`);
  if (can === 'nologin') throw new DispatcherError(SqlState.InvalidAuthorization, `role "${user}" is not permitted to log in`);
  return system.access.current.roles.get(user)?.connectionLimit;
}
