package org.cvmfsstargz.snapshotter.diagnose;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cvmfsstargz.snapshotter.config.RegistryConfig;

/**
 * Whether each configured registry host answers the distribution API's base endpoint
 * ({@code GET /v2/}: 200, or 401 asking for a token, both mean a registry is there), within the
 * configured connect and request timeouts. Thread-safe.
 */
public final class RegistryReachability {
    private RegistryReachability() {}

    /**
     * The registry hosts the configuration names, as {@code host} or {@code host:port}: those
     * reached over plain HTTP ({@code registry.insecure_hosts} and hosts so marked), then those with
     * settings of their own ({@code [registry.hosts."..."]}), each once.
     */
    public static List<String> configuredHosts(RegistryConfig registry) {
        Set<String> hosts = new LinkedHashSet<>(registry.plainHttpHosts());
        hosts.addAll(registry.hosts().keySet());
        return List.copyOf(hosts);
    }

    static List<CheckResult> run(RegistryConfig registry) {
        List<CheckResult> results = new ArrayList<>();
        try (HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofMillis(registry.connectTimeoutMs())).build()) {
            for (String host : configuredHosts(registry)) {
                // Insecure hosts are the plain-HTTP ones; every other host is reached over HTTPS.
                String scheme = registry.plainHttpHosts().contains(host) ? "http" : "https";
                results.add(check(client, URI.create(scheme + "://" + host + "/v2/"), host,
                        Duration.ofMillis(registry.requestTimeoutMs())));
            }
        }
        return results;
    }

    private static CheckResult check(HttpClient client, URI uri, String host, Duration timeout) {
        String what = "registry " + host;
        String fix = "check that " + host + " is the right host and port, and the network path (proxy, firewall) to it";
        try {
            HttpResponse<Void> response = client.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                    HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status == 200 || status == 401) {
                return CheckResult.ok(what, "GET " + uri + " answered " + status);
            }
            return CheckResult.fail(what, "GET " + uri + " answered " + status + ", not a registry's 200 or 401", fix);
        } catch (HttpTimeoutException e) {
            return CheckResult.fail(what, "GET " + uri + " timed out: " + e.getMessage(), fix);
        } catch (IOException e) {
            return CheckResult.fail(what, "GET " + uri + " failed: " + e, fix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CheckResult.fail(what, "interrupted", fix);
        }
    }
}
