package org.cvmfsstargz.snapshotter.metrics;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Times every RPC by method and status code: {@code cvmfs_stargz_rpc_seconds{method="Prepare",
 * code="ALREADY_EXISTS"}}, with a few histogram buckets for latency quantiles. A call counts once:
 * when the server closes it, with its status; as {@code UNKNOWN} when the service throws (grpc-java
 * then cancels the stream without a close, and answers UNKNOWN); or as {@code CANCELLED} when the
 * client goes away first. Thread-safe; a gRPC server interceptor installed by the composition root.
 */
public final class RpcMetrics implements ServerInterceptor {
    static final String NAME = "cvmfs.stargz.rpc";
    /** From a metadata read (about a millisecond) to a Prepare that waits for a hung repository. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(25),
        Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(10),
        Duration.ofSeconds(60)};

    private final MeterRegistry registry;

    public RpcMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        Recording recording = new Recording(call.getMethodDescriptor().getBareMethodName(),
                registry.config().clock().monotonicTime());
        ServerCall<Q, R> timed = new SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                try {
                    super.close(status, trailers);
                } finally {
                    recording.finish(status.getCode());
                }
            }
        };
        return new SimpleForwardingServerCallListener<>(next.startCall(timed, headers)) {
            @Override
            public void onMessage(Q message) {
                try {
                    super.onMessage(message);
                } catch (RuntimeException | Error e) {
                    recording.finish(Status.Code.UNKNOWN);
                    throw e;
                }
            }

            @Override
            public void onHalfClose() {
                try {
                    super.onHalfClose();
                } catch (RuntimeException | Error e) {
                    recording.finish(Status.Code.UNKNOWN);
                    throw e;
                }
            }

            @Override
            public void onCancel() {
                recording.finish(Status.Code.CANCELLED);
                super.onCancel();
            }
        };
    }

    /** One call: records once, whichever of close and cancel comes first. */
    private final class Recording {
        private final String method;
        private final long started;
        private final AtomicBoolean done = new AtomicBoolean();

        Recording(String method, long started) {
            this.method = method;
            this.started = started;
        }

        void finish(Status.Code code) {
            if (done.compareAndSet(false, true)) {
                Timer.builder(NAME)
                        .description("Snapshots API calls served, by method and gRPC status code")
                        .tags("method", method, "code", code.name())
                        .serviceLevelObjectives(BUCKETS)
                        .register(registry)
                        .record(registry.config().clock().monotonicTime() - started, TimeUnit.NANOSECONDS);
            }
        }
    }
}
