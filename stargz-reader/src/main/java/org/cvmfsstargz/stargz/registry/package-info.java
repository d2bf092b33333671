/**
 * A client of the OCI distribution API for pulling images and reading blobs by range:
 * {@link org.cvmfsstargz.stargz.registry.ImageReference} (parsing, Docker Hub normalisation),
 * {@link org.cvmfsstargz.stargz.registry.RegistryClient} (manifests, platform choice, whole,
 * streamed and ranged blob reads), and behind it: the mirrors tried before a registry
 * ({@code Endpoints}, with containerd's {@code ?ns=}); ranged reads that send several ranges per
 * GET, read every answer shape (multipart, coalesced, whole blob), fall back to one range per GET
 * where a registry refuses, read a blob's tail and size in one suffix-range GET ({@code
 * SuffixAnswers}; a whole blob sent instead is abandoned), and reuse a blob's presigned storage redirect ({@code BlobRangeReader},
 * {@code RangeAnswers}, {@code BlobLocations}); and the transport: plain-HTTP policy,
 * hand-followed redirects that never carry {@code Authorization} to another origin, Bearer and
 * Basic authentication with a token cache, per-host CA trust ({@code HostTrust}), retries with
 * backoff and a deadline. Credentials come from Docker's {@code config.json} and its credential
 * helpers ({@link org.cvmfsstargz.stargz.registry.DockerConfigCredentials}). Failures are
 * {@link org.cvmfsstargz.stargz.registry.RegistryException}s of one closed set of kinds.
 *
 * <p>HTTP is the JDK's {@link java.net.http.HttpClient}; JSON is Jackson. Sits above
 * {@code format} in this library's flow and imports nothing else of it; imports nothing from the
 * daemon, gRPC, protobuf or containerd. Never logs or puts into a message a token, a password or
 * a URL's query string (presigned storage URLs carry credentials there).
 */
package org.cvmfsstargz.stargz.registry;
