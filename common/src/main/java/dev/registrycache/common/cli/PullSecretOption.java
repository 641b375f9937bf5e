package dev.registrycache.common.cli;

import picocli.CommandLine.Option;

/**
 * {@code --pull-secret}, for the supervisor (one node per entry) and the node (its own entry),
 * as a picocli {@code @Mixin}. The value is the flag as given, null without it: {@link
 * dev.registrycache.common.settings.Setting#PULL_SECRET} resolves it against the environment and the
 * default.
 */
public final class PullSecretOption {
    @Option(
            names = "--pull-secret",
            paramLabel = "FILE",
            description =
                    "the pull secret: the registries and their credentials (env PULL_SECRET, default /pull-secret.json)")
    private String pullSecret;

    /** {@code --pull-secret} as given, or null. */
    public String pullSecretFlag() {
        return pullSecret;
    }
}
