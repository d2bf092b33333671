package org.cvmfsstargz.stargz.format;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.ref.Cleaner;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * SHA-256 computed by OpenSSL's libcrypto, called through the FFM API. The daemon's JIT runs C1
 * only (see the project's {@code docs/design/startup-and-memory.md}), and C1 has no intrinsic for
 * the JDK's SHA-256: it hashes at about 50 MB/s, where libcrypto, with the processor's SHA
 * extensions, does 800 MB/s or more. Every chunk and every TOC is hashed before it is served, so
 * this is on the path of every cold read. The bytes are handed to libcrypto in place (critical
 * downcalls with heap access), in slices of at most 1 MiB so that a GC never waits long for one.
 *
 * <p>{@link #available()} says whether libcrypto was found ({@code libcrypto.so.3}, then
 * {@code libcrypto.so}); {@link Digest} falls back to the JDK's SHA-256 when it was not.
 *
 * <p>An instance is a {@link MessageDigest}: not thread-safe, one per stream. Its native context is
 * freed by a {@link Cleaner} once the instance is unreachable.
 */
final class NativeSha256 extends MessageDigest {
    private static final int SLICE = 1 << 20;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final Optional<Calls> CALLS = Calls.load();

    private final MemorySegment context;

    private NativeSha256(MemorySegment context) {
        super("SHA-256");
        this.context = context;
        MethodHandle free = CALLS.orElseThrow().free;
        CLEANER.register(this, () -> {
            try {
                free.invokeExact(context);
            } catch (Throwable e) {
                throw new IllegalStateException("EVP_MD_CTX_free failed", e);
            }
        });
        engineReset();
    }

    /** Whether libcrypto was loaded, so that {@link #newInstance} and {@link #hash} work. */
    static boolean available() {
        return CALLS.isPresent();
    }

    /** A fresh digest; only when {@link #available()}. */
    static NativeSha256 newInstance() {
        try {
            MemorySegment context = (MemorySegment) CALLS.orElseThrow().newContext.invokeExact();
            if (context.equals(MemorySegment.NULL)) {
                throw new OutOfMemoryError("EVP_MD_CTX_new returned NULL");
            }
            return new NativeSha256(context);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The SHA-256 of {@code bytes}, in one call; only when {@link #available()}. */
    static byte[] hash(byte[] bytes, int offset, int length) {
        if (length > SLICE) {
            NativeSha256 digest = newInstance();
            digest.update(bytes, offset, length);
            return digest.digest();
        }
        byte[] hash = new byte[32];
        Calls calls = CALLS.orElseThrow();
        try {
            int ok = (int) calls.oneShot.invokeExact(MemorySegment.ofArray(bytes).asSlice(offset, length), (long) length,
                    MemorySegment.ofArray(hash), MemorySegment.NULL, calls.sha256, MemorySegment.NULL);
            check(ok, "EVP_Digest");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        return hash;
    }

    @Override
    protected void engineUpdate(byte input) {
        engineUpdate(new byte[] {input}, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] input, int offset, int length) {
        MemorySegment bytes = MemorySegment.ofArray(input);
        for (int done = 0; done < length; done += SLICE) {
            int n = Math.min(SLICE, length - done);
            try {
                check((int) CALLS.orElseThrow().update.invokeExact(context, bytes.asSlice(offset + done, n), (long) n),
                        "EVP_DigestUpdate");
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    protected byte[] engineDigest() {
        byte[] hash = new byte[32];
        try {
            check((int) CALLS.orElseThrow().finish.invokeExact(context, MemorySegment.ofArray(hash), MemorySegment.NULL),
                    "EVP_DigestFinal_ex");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
        engineReset();
        return hash;
    }

    @Override
    protected void engineReset() {
        Calls calls = CALLS.orElseThrow();
        try {
            check((int) calls.init.invokeExact(context, calls.sha256, MemorySegment.NULL), "EVP_DigestInit_ex");
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected int engineGetDigestLength() {
        return 32;
    }

    private static void check(int result, String function) {
        if (result != 1) {
            throw new IllegalStateException(function + " failed in libcrypto");
        }
    }

    /** libcrypto's EVP digest functions, bound once. */
    private record Calls(MemorySegment sha256, MethodHandle newContext, MethodHandle free, MethodHandle init,
            MethodHandle update, MethodHandle finish, MethodHandle oneShot) {
        static Optional<Calls> load() {
            for (String name : new String[] {"libcrypto.so.3", "libcrypto.so"}) {
                try {
                    return Optional.of(bind(SymbolLookup.libraryLookup(name, Arena.global())));
                } catch (IllegalArgumentException | IllegalCallerException | UnsatisfiedLinkError e) {
                    // Not there (or native access refused): try the next name, then the JDK.
                }
            }
            return Optional.empty();
        }

        private static Calls bind(SymbolLookup crypto) {
            Linker linker = Linker.nativeLinker();
            Linker.Option heap = Linker.Option.critical(true);
            ValueLayout.OfInt intValue = ValueLayout.JAVA_INT;
            var pointer = ValueLayout.ADDRESS;
            try {
                MemorySegment sha256 = (MemorySegment) linker.downcallHandle(find(crypto, "EVP_sha256"),
                        FunctionDescriptor.of(pointer)).invokeExact();
                return new Calls(sha256,
                        linker.downcallHandle(find(crypto, "EVP_MD_CTX_new"), FunctionDescriptor.of(pointer)),
                        linker.downcallHandle(find(crypto, "EVP_MD_CTX_free"), FunctionDescriptor.ofVoid(pointer)),
                        linker.downcallHandle(find(crypto, "EVP_DigestInit_ex"),
                                FunctionDescriptor.of(intValue, pointer, pointer, pointer)),
                        linker.downcallHandle(find(crypto, "EVP_DigestUpdate"),
                                FunctionDescriptor.of(intValue, pointer, pointer, ValueLayout.JAVA_LONG), heap),
                        linker.downcallHandle(find(crypto, "EVP_DigestFinal_ex"),
                                FunctionDescriptor.of(intValue, pointer, pointer, pointer), heap),
                        linker.downcallHandle(find(crypto, "EVP_Digest"), FunctionDescriptor.of(intValue, pointer,
                                ValueLayout.JAVA_LONG, pointer, pointer, pointer, pointer), heap));
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        private static MemorySegment find(SymbolLookup crypto, String name) {
            return crypto.find(name).orElseThrow(() -> new IllegalArgumentException("libcrypto lacks " + name));
        }
    }
}
