/**
 * The eStargz format as bytes in, records out: content digests now; footer, table of contents
 * and chunk maths arrive with the eStargz reader. Pure: no I/O beyond what a caller hands in.
 *
 * <p>The bottom of this library's flow ({@code fuse} → {@code layer} → {@code cache} |
 * {@code registry} → {@code format}): imports no other package of the library, nothing from the
 * daemon, gRPC, protobuf or containerd.
 */
package org.cvmfsstargz.stargz.format;
