/// Messages on stderr, always prefixed with the stage name (`unclip-prior: ...`).
public enum Diagnostics {
    /// Prints `stage: message` on stderr.
    public static func error(_ stage: String, _ message: String) {
        writeAll(2, stage + ": " + message + "\n")
    }

    /// Prints an informational line on stderr (callers decide whether `--quiet` silences it).
    public static func note(_ stage: String, _ message: String) { error(stage, message) }
}
