/**
 * Whiteouts of DUCC-unpacked layers. DUCC stores OCI whiteouts in {@code layerfs} as plain files
 * ({@code .wh.<name>}, {@code .wh..wh..opq}) beside {@code .cvmfscatalog} markers (reference
 * cvmfs.md §2.4-2.5), which kernel overlayfs does not understand. {@link WhiteoutScan} walks a
 * layer into a pure {@link WhiteoutPlan}; {@link WhiteoutDirs} writes the plan as two small local
 * directories in overlayfs' own form, to be stacked around the layer.
 *
 * <p>Sits after {@code resolve}/{@code probe} in the flow. Imports nothing from the daemon, gRPC,
 * protobuf or containerd.
 */
package org.cvmfsstargz.cvmfs.whiteout;
