package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RpcMetricsTest {
    private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(String value) {
            return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String parse(InputStream stream) {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };
    private static final MethodDescriptor<String, String> PREPARE = method("Prepare");
    private static final MethodDescriptor<String, String> MOUNTS = method("Mounts");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CountDownLatch mountsStarted = new CountDownLatch(1);
    private final CompletableFuture<Void> mountsCancelled = new CompletableFuture<>();
    private Server server;
    private ManagedChannel channel;

    private static MethodDescriptor<String, String> method(String name) {
        return MethodDescriptor.<String, String>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Snapshots", name))
                .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();
    }

    /** Prepare answers by its request: "ok", "exists" (ALREADY_EXISTS) or "throw"; Mounts never answers. */
    @BeforeEach
    void startServer() throws IOException {
        ServerServiceDefinition service = ServerServiceDefinition.builder("test.Snapshots")
                .addMethod(PREPARE, ServerCalls.asyncUnaryCall(this::prepare))
                .addMethod(MOUNTS, ServerCalls.asyncUnaryCall((String request, StreamObserver<String> response) -> {
                    ((io.grpc.stub.ServerCallStreamObserver<String>) response)
                            .setOnCancelHandler(() -> mountsCancelled.complete(null));
                    mountsStarted.countDown();
                }))
                .build();
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(service, new RpcMetrics(registry))).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    private void prepare(String request, StreamObserver<String> response) {
        switch (request) {
            case "ok" -> {
                response.onNext("done");
                response.onCompleted();
            }
            case "exists" -> response.onError(Status.ALREADY_EXISTS.withDescription("target").asRuntimeException());
            default -> throw new IllegalStateException("a bug in the service");
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private String call(MethodDescriptor<String, String> method, String request) {
        return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT, request);
    }

    private long count(String method, String code) {
        Timer timer = registry.find(RpcMetrics.NAME).tags("method", method, "code", code).timer();
        return timer == null ? 0 : timer.count();
    }

    @Test
    void eachCallIsTimedOnceByMethodAndStatusCode() {
        call(PREPARE, "ok");
        call(PREPARE, "ok");
        assertThatThrownBy(() -> call(PREPARE, "exists")).isInstanceOf(StatusRuntimeException.class);

        assertThat(count("Prepare", "OK")).isEqualTo(2);
        assertThat(count("Prepare", "ALREADY_EXISTS")).isEqualTo(1);
        assertThat(registry.find(RpcMetrics.NAME).timers()).hasSize(2);
    }

    @Test
    void anExceptionThatEscapesTheServiceCountsAsUnknown() {
        assertThatThrownBy(() -> call(PREPARE, "throw")).isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNKNOWN));
        assertThat(count("Prepare", "UNKNOWN")).isEqualTo(1);
    }

    @Test
    void aCallTheClientAbandonsCountsAsCancelled() throws Exception {
        var pending = ClientCalls.futureUnaryCall(channel.newCall(MOUNTS, CallOptions.DEFAULT), "k");
        assertThat(mountsStarted.await(5, TimeUnit.SECONDS)).isTrue();

        pending.cancel(true);

        mountsCancelled.get(5, TimeUnit.SECONDS);
        assertThat(count("Mounts", "CANCELLED")).isEqualTo(1);
    }

    @Test
    void theScrapeNamesTheTimerThePrometheusWayWithLatencyBuckets() {
        call(PREPARE, "ok");
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("# TYPE cvmfs_stargz_rpc_seconds histogram")
                .contains("cvmfs_stargz_rpc_seconds_count{code=\"OK\",method=\"Prepare\"} 1")
                .contains("cvmfs_stargz_rpc_seconds_bucket{code=\"OK\",method=\"Prepare\",le=\"0.1\"} 1")
                .contains("cvmfs_stargz_rpc_seconds_sum{code=\"OK\",method=\"Prepare\"}");
    }
}
