/**
 * Whiteouts of DUCC-unpacked layers. DUCC stores OCI whiteouts in {@code layerfs} as plain files
 * ({@code .wh.<name>}, {@code .wh..wh..opq}) beside {@code .cvmfscatalog} markers (reference
 * cvmfs.md §2.4-2.5), which kernel overlayfs does not understand. {@link WhiteoutScan} walks a
 * layer into a pure {@link WhiteoutPlan} (watched by {@link WalkProgress}, which gives up on lack
 * of progress, not on total time); {@link WhiteoutDirs} writes the plan as two small local
 * directories in overlayfs' own form, to be stacked around the layer.
 *
 * <p>A plan need not come from a walk: {@link WhiteoutIndex} is its file form (bytes in, plan out,
 * validated like untrusted input), which a repository may publish beside the layer and which
 * {@link DiskPlanCache} keeps per layer digest on local disk.
 *
 * <p>Sits after {@code resolve}/{@code probe} in the flow. Imports nothing from the daemon, gRPC,
 * protobuf or containerd.
 */
package org.cvmfsstargz.cvmfs.whiteout;
