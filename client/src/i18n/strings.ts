/**
 * A catalogue's English twin: the same keys as its Vietnamese one, nested alike, any
 * text in the leaves. Each English catalogue is typed with it, so a key added in
 * Vietnamese and not in English (or the other way) does not compile.
 */
export type Strings<T> = { [K in keyof T]: T[K] extends string ? string : Strings<T[K]> };
