/**
 * File-system edge of the core: the only code that creates, renames and deletes snapshot
 * directories, measures their usage, reads the mount table and locks the root.
 */
package org.cvmfsstargz.snapshotter.core.dirs;
