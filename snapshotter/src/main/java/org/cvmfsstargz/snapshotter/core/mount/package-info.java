/**
 * Mount shapes for snapshots, as containerd's overlayfs snapshotter returns them. Pure: no I/O
 * but one probe of the kernel's overlay features, made once at start-up.
 */
package org.cvmfsstargz.snapshotter.core.mount;
