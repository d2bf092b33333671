/**
 * One layer's bytes, lazily: {@link org.cvmfsstargz.stargz.layer.TocFetcher} reads the verified
 * index from the blob's tail (opened with one suffix-range read by {@link
 * org.cvmfsstargz.stargz.layer.RegistryBlobSource#openAtTail}); {@link
 * org.cvmfsstargz.stargz.layer.TocPrefetcher} fetches the indexes of an image's later layers ahead
 * of their Prepare, bounded, and hands each out only to a caller whose TOC digest it matches; {@link org.cvmfsstargz.stargz.layer.LayerReader} answers file reads
 * chunk by chunk (cache first, then the blob in few ranges per {@link
 * org.cvmfsstargz.stargz.layer.FetchPlan}, one fetch per chunk however many readers wait, every
 * chunk verified before it is cached or served); {@link org.cvmfsstargz.stargz.layer.BackgroundFetch}
 * fetches the landmark's prioritized range at mount and, optionally, the rest while no read runs.
 * {@link org.cvmfsstargz.stargz.layer.BlobSource} is where compressed bytes come from:
 * {@link org.cvmfsstargz.stargz.layer.RegistryBlobSource} in the daemon.
 *
 * <p>In this library's flow ({@code fuse} → {@code layer} → {@code cache} | {@code registry} →
 * {@code format}): imports {@code cache}, {@code registry} and {@code format}, never {@code fuse};
 * nothing from the daemon, gRPC, protobuf or containerd.
 */
package org.cvmfsstargz.stargz.layer;
