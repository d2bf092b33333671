/**
 * eStargz images made by the real converter: Debian's {@code ctr-remote image convert} (stargz-snapshotter
 * 0.12) inside a test's containerd, pushed to the loopback registry next to the plain original.
 * {@link org.cvmfsstargz.it.estargz.EstargzTestImage} is the image the eStargz end-to-end tests
 * use and what they must see; {@link org.cvmfsstargz.it.estargz.EstargzImages} publishes and
 * converts it; {@link org.cvmfsstargz.it.estargz.EstargzConversionIT} proves our format reader
 * ({@code stargz.format}, through {@code stargz.registry}) reads every byte ctr-remote wrote.
 *
 * <p>Uses {@code it.support} for processes and images, and stargz-reader's public
 * {@code format} and {@code registry} packages as a client would; nothing from the daemon's
 * {@code snapshotter} packages.
 */
package org.cvmfsstargz.it.estargz;
