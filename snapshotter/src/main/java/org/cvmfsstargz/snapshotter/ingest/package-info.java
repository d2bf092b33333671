/**
 * The {@code ingest} engine: unpacks an OCI image (layout directory, archive, or registry) into
 * the layout DUCC writes on a CVMFS repository ({@code .layers/<xx>/<hex>/layerfs} plus
 * {@code .metadata}, there with the layer's whiteout index), under any directory, so a site without DUCC can publish it with
 * {@code cvmfs_server} and tests can build CVMFS-like trees from real images.
 *
 * <p>Flow: an {@link org.cvmfsstargz.snapshotter.ingest.ImageSource} ({@link
 * org.cvmfsstargz.snapshotter.ingest.OciLayout}, or {@link
 * org.cvmfsstargz.snapshotter.ingest.RegistryImageSource} over {@code stargz-reader}'s registry
 * client; index, manifest, config: records out, via {@code ImageDocuments}) → {@link
 * org.cvmfsstargz.snapshotter.ingest.DuccLayoutWriter} (verifies layer digests and diffIDs,
 * places each layer atomically) → {@link org.cvmfsstargz.snapshotter.ingest.LayerUnpacker} (one
 * tar into one directory, verbatim, never writing outside it). Called only from the {@code cli}
 * package; imports nothing from {@code grpc}, {@code core} or {@code source}.
 */
package org.cvmfsstargz.snapshotter.ingest;
