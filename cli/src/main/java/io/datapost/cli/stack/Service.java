package io.datapost.cli.stack;

/** The four datapost services, by Maven module, with their default HTTP ports. */
public enum Service {
    INGEST_API("ingest-api", "ingest", 8080, false),
    FORWARDER_WORKER("forwarder-worker", "forwarder", 8081, false),
    VALIDATOR_STREAMS("validator-streams", "validator", 8082, false),
    CONVERSION_SINK("conversion-sink", "sink", 8083, true);

    private final String module;
    private final String shortName;
    private final int defaultPort;
    private final boolean needsDatabase;

    Service(String module, String shortName, int defaultPort, boolean needsDatabase) {
        this.module = module;
        this.shortName = shortName;
        this.defaultPort = defaultPort;
        this.needsDatabase = needsDatabase;
    }

    public String module() {
        return module;
    }

    /** As in the {@code --<shortName>-port} option. */
    public String shortName() {
        return shortName;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public boolean needsDatabase() {
        return needsDatabase;
    }
}
