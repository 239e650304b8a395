// The RxJS classes the engine uses, imported from their own modules: rxjs's package entry for Node
// is one CommonJS index that loads every operator (~10 MB of resident memory on this kind of
// machine, against ~5 for these). They are the same modules the index re-exports, so an application's
// `import { Observable } from 'rxjs'` sees the same classes (instanceof and pipe work across).
export { Observable } from 'rxjs/internal/Observable';
export { Subject } from 'rxjs/internal/Subject';
export { ReplaySubject } from 'rxjs/internal/ReplaySubject';
