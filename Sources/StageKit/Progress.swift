/// Step counter with an ETA on stderr. On a terminal it redraws one line; otherwise (with `--progress`)
/// it prints a line at most once a second and at the end.
public final class Progress {
    let stage: String
    let label: String
    let total: Int
    let enabled: Bool
    let terminal: Bool
    let start = monotonicSeconds()
    var lastPrint = -1.0

    init(stage: String, label: String, total: Int, enabled: Bool, terminal: Bool) {
        self.stage = stage
        self.label = label
        self.total = max(total, 1)
        self.enabled = enabled
        self.terminal = terminal
    }

    /// Reports that `done` of `total` steps are finished.
    public func update(_ done: Int) {
        guard enabled else { return }
        let now = monotonicSeconds()
        let finished = done >= total
        if !finished && now - lastPrint < (terminal ? 0.1 : 1.0) { return }
        lastPrint = now
        let elapsed = now - start
        var text = "\(stage): \(label) \(done)/\(total)"
        if done > 0 && !finished {
            text += "  eta \(Self.format(elapsed / Double(done) * Double(total - done)))"
        } else if finished {
            text += "  \(Self.format(elapsed))"
        }
        if terminal {
            writeAll(2, "\r\u{1B}[K" + text + (finished ? "\n" : ""))
        } else {
            writeAll(2, text + "\n")
        }
    }

    static func format(_ seconds: Double) -> String {
        if seconds < 60 { return String(Int(seconds.rounded(.up))) + "s" }
        let s = Int(seconds.rounded())
        return "\(s / 60)m\(s % 60 < 10 ? "0" : "")\(s % 60)s"
    }
}

extension String {
    /// The string followed by spaces up to `width` characters (unchanged if already that long).
    func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
