/**
 * The command line (picocli): {@code serve}, {@code ingest}, {@code inspect}, {@code check},
 * {@code config containerd} and {@code version}. Part of the composition root: commands parse
 * options and print; their work is done elsewhere ({@code ingest}, {@code diagnose}).
 */
package org.cvmfsstargz.snapshotter.cli;
