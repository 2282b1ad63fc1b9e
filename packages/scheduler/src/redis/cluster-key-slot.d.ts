// cluster-key-slot (the hash-slot function ioredis itself uses) ships no types.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot of a key (its hash tag's, if it has one). */
  function calculateSlot(key: string | Buffer): number;
  export default calculateSlot;
}
