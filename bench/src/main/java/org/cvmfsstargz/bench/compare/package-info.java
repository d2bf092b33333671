/**
 * The comparison benchmark ({@code bench/run-compare-bench}): our daemon against reference
 * snapshotters (the Go eStargz snapshotter, CERN's CVMFS snapshotter, or builds of ours from other
 * commits) in the same run, each sample cold and the variants interleaved, on realistic images
 * built from Debian packages.
 *
 * <p>Flow: {@link org.cvmfsstargz.bench.compare.CompareBenchmark} (the entry point and the only
 * class that wires objects) builds each {@link org.cvmfsstargz.bench.compare.ImageRecipe} of the
 * {@link org.cvmfsstargz.bench.compare.ImageCatalog} ({@link org.cvmfsstargz.bench.compare.AptResolver},
 * {@link org.cvmfsstargz.bench.compare.DebianLayers}, {@link org.cvmfsstargz.bench.compare.LayerTar},
 * {@link org.cvmfsstargz.bench.compare.ImageBuild}) or finds it in the image cache, publishes and
 * converts it ({@link org.cvmfsstargz.bench.compare.ImagePublication}), then runs the sections
 * ({@link org.cvmfsstargz.bench.compare.StartupSection}, {@link org.cvmfsstargz.bench.compare.ReadSection},
 * {@link org.cvmfsstargz.bench.compare.CvmfsSection}), each sample on a
 * {@link org.cvmfsstargz.bench.compare.ColdNode} (a {@link org.cvmfsstargz.bench.compare.SnapshotterProcess}
 * and a containerd), and hands the {@link org.cvmfsstargz.bench.compare.Samples} to
 * {@link org.cvmfsstargz.bench.compare.CompareReport}.
 *
 * <p>Imports the integration tests' process support ({@code org.cvmfsstargz.it.support}), the
 * start-up benchmarks' shared pieces ({@code org.cvmfsstargz.bench.startup}: registry push,
 * eStargz conversion, ctr runner, slow link, clean-up, JSON) and the machine facts of
 * {@code org.cvmfsstargz.bench}; never the daemon's classes (the daemon is a process here) nor
 * the reference snapshotters' (they are processes measured beside it, nothing else). Nothing
 * imports this package.
 */
package org.cvmfsstargz.bench.compare;
