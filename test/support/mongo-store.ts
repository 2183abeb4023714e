import {BSON, type Document, ObjectId} from 'bson'
import {Aggregator, Query, update as applyUpdate} from 'mingo'

/**
 * The in-memory databases behind the test MongoDB server: documents per collection, unique indexes enforced with
 * the real E11000 error, TTL indexes honoured on access, and MongoDB's query/update language through mingo.
 */
export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message)
  }
}

export interface IndexSpec {
  name: string
  key: Record<string, number>
  unique?: boolean
  expireAfterSeconds?: number
}

export class StoredCollection {
  docs: Document[] = []
  // The _id index is unique without saying so, as in mongod's listIndexes.
  indexes: IndexSpec[] = [{name: '_id_', key: {_id: 1}}]

  constructor(readonly ns: string) {}

  matching(filter: Document = {}): Document[] {
    const query = new Query(filter)
    return this.docs.filter((doc) => query.test(doc))
  }

  find(filter: Document, options: {sort?: Document; projection?: Document; skip?: number; limit?: number}): Document[] {
    let cursor = new Query(filter ?? {}).find(this.docs, options.projection && Object.keys(options.projection).length > 0 ? options.projection : undefined)
    if (options.sort && Object.keys(options.sort).length > 0) cursor = cursor.sort(options.sort as Record<string, 1 | -1>)
    if (options.skip) cursor = cursor.skip(options.skip)
    if (options.limit) cursor = cursor.limit(Math.abs(options.limit))
    return (cursor.all() as Document[]).map(clone)
  }

  insert(doc: Document): Document {
    const stored = clone({_id: new ObjectId(), ...doc})
    this.checkUnique(stored)
    this.docs.push(stored)
    return stored
  }

  /** Apply an update document (operators or a replacement) to `target`, or upsert from `filter` when target is undefined. */
  update(target: Document | undefined, filter: Document, change: Document): {doc: Document; modified: boolean} {
    const isOperators = Object.keys(change).some((key) => key.startsWith('$'))
    const base = target ? clone(target) : seedFromFilter(filter)
    let next: Document
    if (isOperators) {
      const {$setOnInsert, ...operators} = change
      if (!target && $setOnInsert) operators.$set = {...($setOnInsert as Document), ...(operators.$set as Document | undefined)}
      next = base
      if (Object.keys(operators).length > 0) applyUpdate(next, operators)
    } else {
      next = {...change, _id: base._id}
    }

    next = clone({_id: base._id ?? new ObjectId(), ...next})
    const modified = !target || !Buffer.from(BSON.serialize(target)).equals(BSON.serialize(next))
    this.checkUnique(next, target)
    if (target) this.docs[this.docs.indexOf(target)] = next
    else this.docs.push(next)
    return {doc: next, modified}
  }

  remove(target: Document): void {
    this.docs.splice(this.docs.indexOf(target), 1)
  }

  createIndex(spec: IndexSpec): void {
    const existing = this.indexes.find((index) => index.name === spec.name)
    if (existing) return
    if (spec.unique) {
      const seen = new Set<string>()
      for (const doc of this.docs) {
        const value = keyOf(doc, spec)
        if (seen.has(value)) throw duplicate(this.ns, spec, doc)
        seen.add(value)
      }
    }

    this.indexes.push(spec)
  }

  /** What mongod's TTL monitor would have deleted by now (it runs every 60 s; we check on every access). */
  expire(now = Date.now()): void {
    for (const index of this.indexes) {
      if (index.expireAfterSeconds === undefined) continue
      const field = Object.keys(index.key)[0]
      this.docs = this.docs.filter((doc) => !(doc[field] instanceof Date) || doc[field].getTime() + index.expireAfterSeconds! * 1000 > now)
    }
  }

  private checkUnique(doc: Document, replacing?: Document): void {
    for (const index of this.indexes) {
      if (!index.unique && index.name !== '_id_') continue
      const value = keyOf(doc, index)
      const clash = this.docs.find((other) => other !== replacing && keyOf(other, index) === value)
      if (clash) throw duplicate(this.ns, index, doc)
    }
  }
}

export class Store {
  readonly #collections = new Map<string, StoredCollection>()

  collection(db: string, name: string, create = true): StoredCollection | undefined {
    const ns = `${db}.${name}`
    let collection = this.#collections.get(ns)
    if (!collection && create) {
      collection = new StoredCollection(ns)
      this.#collections.set(ns, collection)
    }

    collection?.expire()
    return collection
  }

  collectionNames(db: string): string[] {
    return [...this.#collections.keys()].filter((ns) => ns.startsWith(`${db}.`)).map((ns) => ns.slice(db.length + 1))
  }

  drop(db: string, name?: string): number {
    let dropped = 0
    for (const ns of [...this.#collections.keys()]) {
      if (name ? ns === `${db}.${name}` : ns.startsWith(`${db}.`)) dropped += Number(this.#collections.delete(ns))
    }

    return dropped
  }
}

export function aggregate(docs: Document[], pipeline: Document[]): Document[] {
  return new Aggregator(pipeline).run(docs.map(clone)) as Document[]
}

/** An upsert starts from the filter's plain equality fields (`{name: "x", $or: [...]}` seeds `{name: "x"}`). */
function seedFromFilter(filter: Document): Document {
  const seed: Document = {}
  for (const [key, value] of Object.entries(filter ?? {})) {
    if (key === '$and' && Array.isArray(value)) Object.assign(seed, ...value.map(seedFromFilter))
    else if (key.startsWith('$')) continue
    else if (isPlain(value) && Object.keys(value).some((k) => k.startsWith('$'))) {
      if ('$eq' in value) seed[key] = value.$eq
    } else seed[key] = value
  }

  return seed
}

function keyOf(doc: Document, index: IndexSpec): string {
  return JSON.stringify(Object.keys(index.key).map((field) => serializeValue(field.split('.').reduce<unknown>((value, part) => (value as Document | undefined)?.[part], doc))))
}

function serializeValue(value: unknown): unknown {
  if (value === undefined) return null
  if (value instanceof ObjectId) return {$oid: value.toHexString()}
  return value
}

function duplicate(ns: string, index: IndexSpec, doc: Document): CommandError {
  const fields = Object.keys(index.key)
  const dupKey = fields.map((field) => `${field}: ${JSON.stringify(serializeValue(doc[field]))}`).join(', ')
  return new CommandError(11_000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: { ${dupKey} }`)
}

function isPlain(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof ObjectId)
}

function clone(doc: Document): Document {
  return BSON.deserialize(BSON.serialize(doc))
}
