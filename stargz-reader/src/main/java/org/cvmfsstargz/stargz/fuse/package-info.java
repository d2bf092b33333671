/**
 * The read-only FUSE filesystem of one eStargz layer, served by jnr-fuse over libfuse 2.
 *
 * <p>Vocabulary. The <em>tree</em> ({@link org.cvmfsstargz.stargz.fuse.LayerTree}) is what
 * overlayfs must see of a layer's {@link org.cvmfsstargz.stargz.format.Toc}: OCI whiteout files
 * {@code .wh.<name>} shown as character devices 0/0 named {@code <name>}, the opaque marker
 * {@code .wh..wh..opq} hidden and answered as the {@code trusted.overlay.opaque} (and
 * {@code user.overlay.opaque}) xattr of its directory, the prefetch landmarks hidden. A
 * <em>node</em> ({@link org.cvmfsstargz.stargz.fuse.LayerNode}) is one name of the tree. The
 * <em>filesystem</em> ({@link org.cvmfsstargz.stargz.fuse.LayerFilesystem}) answers libfuse's
 * path-based calls from the tree and reads file bytes through a
 * {@link org.cvmfsstargz.stargz.layer.ContentReader}; the <em>mount</em>
 * ({@link org.cvmfsstargz.stargz.fuse.LayerMount}) runs libfuse's loop for it on a directory.
 *
 * <p>One class per concern: the tree is pure and has no jnr types; only the filesystem, its
 * read-only base, the struct fillers and the mount touch jnr-fuse. Top of this library's flow
 * ({@code fuse} → {@code layer} → {@code cache} | {@code registry} → {@code format}): it may import
 * {@code layer} and {@code format}, never {@code registry} or {@code cache} directly, and nothing
 * from the daemon, gRPC, protobuf or containerd.
 */
package org.cvmfsstargz.stargz.fuse;
