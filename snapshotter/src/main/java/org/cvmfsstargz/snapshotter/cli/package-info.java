/**
 * The command line (picocli): {@code serve} and {@code version}. Part of the composition root.
 */
package org.cvmfsstargz.snapshotter.cli;
