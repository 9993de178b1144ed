package dev.muse.server;

/** Who is calling: an API key (whose id owns the rows it creates), or the local user of a keyless loopback server. */
record Principal(String owner, String keyId, String keyName) {
    static final Principal LOCAL = new Principal("local", null, null);

    static Principal ofKey(ApiKeys.KeyInfo k) {
        return new Principal("key:" + k.id(), k.id(), k.name());
    }

    String describe() {
        return keyId == null ? "this server" : "key " + keyId + " (" + keyName + ")";
    }
}
