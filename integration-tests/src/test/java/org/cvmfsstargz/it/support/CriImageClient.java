package org.cvmfsstargz.it.support;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.cri.ImageServiceGrpc;
import org.cvmfsstargz.it.support.cri.ImageServiceGrpc.ImageServiceBlockingStub;
import org.cvmfsstargz.it.support.cri.ImageSpec;
import org.cvmfsstargz.it.support.cri.ImageStatusRequest;
import org.cvmfsstargz.it.support.cri.ImageStatusResponse;
import org.cvmfsstargz.it.support.cri.ListImagesRequest;
import org.cvmfsstargz.it.support.cri.PullImageRequest;
import org.cvmfsstargz.it.support.cri.RemoveImageRequest;

/**
 * The kubelet's side of the CRI image service ({@code runtime.v1.ImageService}), as containerd
 * serves it on its main socket: pull, status, list and remove, nothing else. containerd keeps the
 * images it pulls this way in namespace {@value #NAMESPACE}. Calls throw grpc-java's
 * {@link io.grpc.StatusRuntimeException} unchanged, so a test can assert on the code.
 *
 * <p>Thread-safe: one channel, a fresh deadline per call. The test that connects closes it.
 */
public final class CriImageClient implements AutoCloseable {
    /** The containerd namespace the CRI plugin works in. */
    public static final String NAMESPACE = "k8s.io";

    private static final Duration PULL_DEADLINE = Duration.ofSeconds(120);
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(30);
    /** containerd's own limit for messages on its socket. */
    private static final int MAX_MESSAGE_BYTES = 16 << 20;

    /** An image as the runtime reports it; {@code id} is the config digest for containerd. */
    public record Image(String id, List<String> repoTags, List<String> repoDigests, long size) {
        public Image {
            repoTags = List.copyOf(repoTags);
            repoDigests = List.copyOf(repoDigests);
        }
    }

    private final ManagedChannel channel;

    private CriImageClient(ManagedChannel channel) {
        this.channel = channel;
    }

    /** A client for the containerd listening at {@code containerdSocket}; connects lazily. */
    public static CriImageClient connect(Path containerdSocket) {
        return new CriImageClient(Grpc.newChannelBuilder("unix://" + containerdSocket, InsecureChannelCredentials.create())
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .build());
    }

    /** Pulls {@code image} (a full reference) as the kubelet would, with no credentials; returns its image ID. */
    public String pull(String image) {
        return stub(PULL_DEADLINE).pullImage(PullImageRequest.newBuilder().setImage(spec(image)).build()).getImageRef();
    }

    /** The image known by reference or ID {@code image}; empty when the runtime does not have it. */
    public Optional<Image> status(String image) {
        ImageStatusResponse response = stub(CALL_DEADLINE).imageStatus(
                ImageStatusRequest.newBuilder().setImage(spec(image)).build());
        return response.hasImage() ? Optional.of(image(response.getImage())) : Optional.empty();
    }

    /** Every image the runtime has. */
    public List<Image> list() {
        return stub(CALL_DEADLINE).listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
                .map(CriImageClient::image).toList();
    }

    /** Removes the image known by reference or ID {@code image}; succeeds if it is already gone. */
    public void remove(String image) {
        stub(CALL_DEADLINE).removeImage(RemoveImageRequest.newBuilder().setImage(spec(image)).build());
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ImageServiceBlockingStub stub(Duration deadline) {
        return ImageServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static ImageSpec spec(String image) {
        return ImageSpec.newBuilder().setImage(image).build();
    }

    private static Image image(org.cvmfsstargz.it.support.cri.Image image) {
        return new Image(image.getId(), image.getRepoTagsList(), image.getRepoDigestsList(), image.getSize());
    }
}
