/**
 * A FUSE filesystem for tests, with faults injected at run time: {@code FaultyFuse} mirrors a
 * directory read-only and makes chosen paths fail with EIO or hang, as a CVMFS client does when
 * its server errors or stalls.
 *
 * <p>Built on jnr-fuse over libfuse 2; mounts and unmounts need root. Imports only jnr-fuse and
 * {@code it.support}; nothing from the daemon or the libraries under test, so a test can point
 * the real code at it as at any other directory.
 */
package org.cvmfsstargz.it.support.fuse;
