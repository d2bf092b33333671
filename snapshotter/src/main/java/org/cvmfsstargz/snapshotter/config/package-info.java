/**
 * The configuration: a tree of records read from one TOML file, defaults and validation applied
 * once at load. Imports nothing else of the daemon.
 */
package org.cvmfsstargz.snapshotter.config;
