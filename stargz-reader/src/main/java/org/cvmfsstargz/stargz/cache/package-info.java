/**
 * The chunk cache: verified, uncompressed chunk bytes kept so that a read need not fetch and
 * inflate them again. A {@link org.cvmfsstargz.stargz.cache.ChunkCache} maps a
 * {@link org.cvmfsstargz.stargz.cache.ChunkKey} to bytes; implementations are a bounded in-memory
 * LRU ({@link org.cvmfsstargz.stargz.cache.MemoryChunkCache}), a bounded directory that survives
 * restarts ({@link org.cvmfsstargz.stargz.cache.DiskChunkCache}), the two stacked
 * ({@link org.cvmfsstargz.stargz.cache.TieredChunkCache}) and none at all
 * ({@link org.cvmfsstargz.stargz.cache.ChunkCache#none()}).
 *
 * <p>Vocabulary. An <em>entry</em> is one chunk's bytes under its key. A key is
 * <em>content-addressed</em> ({@code sha256-<hex>}) when the chunk has a {@code chunkDigest}:
 * identical chunks of different layers share one entry, and the bytes can be checked against the
 * name whenever they come back from disk. Legacy stargz chunks, which have no digest, are named by
 * layer and position instead. The <em>bound</em> is the most bytes of entries a cache holds; going
 * past it <em>evicts</em> the least recently used entries.
 *
 * <p>Failures of the cache never fail a read: a broken or missing entry is a miss, a write that
 * fails is dropped, and the caller fetches the chunk again. Only opening a disk cache reports
 * I/O errors, so that a misconfigured directory is noticed at start-up.
 *
 * <p>In this library's flow ({@code fuse} → {@code layer} → {@code cache} | {@code registry} →
 * {@code format}): imports only {@code format} (for {@code Digest} and {@code Chunk}) and slf4j;
 * never {@code layer}, {@code registry} or {@code fuse}, nothing from the daemon, gRPC, protobuf
 * or containerd.
 */
package org.cvmfsstargz.stargz.cache;
