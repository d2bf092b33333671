/**
 * The diagnostic commands against real parts: {@code check} on a node with a real daemon,
 * registry, kernel FUSE and overlayfs, and broken in one way at a time; {@code inspect} against
 * images converted by {@code ctr-remote} in a loopback registry.
 */
package org.cvmfsstargz.it.cli;
