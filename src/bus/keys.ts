/**
 * Every Redis key and channel of the bus, namespaced by local user (`ivc:<user>:...`) so two users can share one
 * Redis on one host. Nothing else in ivc spells a bus key.
 */
export const busKeys = (user: string) => ({
  /** pub/sub: events of one topic (presence, call, video-stats, ...). */
  events: (topic: string) => `ivc:${user}:events:${topic}`,
  /** pub/sub: requests addressed to one component. */
  commands: (component: string) => `ivc:${user}:cmd:${component}`,
  /** pub/sub: replies for one requesting process. */
  replies: (requester: string) => `ivc:${user}:reply:${requester}`,
  /** hash: the current state a component publishes (field -> JSON). */
  state: (component: string) => `ivc:${user}:state:${component}`,
  /** string with TTL: "this component process is alive"; a crashed process's key expires. */
  alive: (component: string, instance: string) => `ivc:${user}:alive:${component}:${instance}`,
  alivePattern: (component = '*') => `ivc:${user}:alive:${component}:*`,
})
