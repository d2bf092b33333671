/**
 * Writing eStargz: beside the reading flow, used to make synthetic layers (the daemon's training
 * run, benchmarks, tests). Imports only {@code format}.
 */
package org.cvmfsstargz.stargz.convert;
