import TensorStream

/// The human-readable listing `unclip-tensors ls` prints for a frame: each tensor's dtype, shape and
/// statistics, then the metadata.
public enum FrameSummary {
    public static func describe(_ frame: Frame, index: Int) -> String {
        let bytes = frame.names.reduce(0) { $0 + (frame[$1]?.byteCount ?? 0) }
        var lines = [
            "frame \(index): \(frame.names.count) tensor\(frame.names.count == 1 ? "" : "s"), \(formatBytes(bytes))"
        ]
        let nameWidth = frame.names.map(\.count).max() ?? 0
        let shapes = frame.names.map {
            frame[$0].map { "[" + $0.shape.map(String.init).joined(separator: ", ") + "]" } ?? ""
        }
        let shapeWidth = shapes.map(\.count).max() ?? 0
        for (name, shape) in zip(frame.names, shapes) {
            guard let t = frame[name] else { continue }
            var line =
                "  " + name.padded(to: nameWidth) + "  " + t.dtype.rawValue.padded(to: 4) + "  "
                + shape.padded(to: shapeWidth)
            if let s = statistics(t) {
                line += "  min \(format(s.min))  max \(format(s.max))  mean \(format(s.mean))"
            }
            lines.append(line)
        }
        let keys = frame.metadata.keys.sorted()
        if !keys.isEmpty {
            lines.append("  metadata:")
            for key in keys {
                let value = frame.metadata[key] ?? ""
                let valueLines = value.split(separator: "\n", omittingEmptySubsequences: false)
                lines.append("    \(key) = \(valueLines.first ?? "")")
                for more in valueLines.dropFirst() {
                    lines.append("    " + String(repeating: " ", count: key.count + 3) + more)
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Minimum, maximum and mean over all elements, or nil for an empty or non-numeric tensor.
    static func statistics(_ t: TensorBlob) -> (min: Double, max: Double, mean: Double)? {
        guard t.elementCount > 0, let values = try? t.floats() else { return nil }
        var lo = Double.infinity, hi = -Double.infinity, sum = 0.0
        for v in values {
            let d = Double(v)
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
            sum += d
        }
        return (lo, hi, sum / Double(values.count))
    }

    static func format(_ x: Double) -> String {
        if x.isNaN || x.isInfinite { return "\(x)" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        let s = String(x)
        // Four significant decimals are enough to eyeball a tensor.
        let magnitude = abs(x)
        if magnitude >= 1e-3 && magnitude < 1e6 {
            let scaled = (x * 1e4).rounded() / 1e4
            return String(scaled)
        }
        return s
    }

    static func formatBytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        if n < 1 << 20 { return format(Double(n) / 1024) + " KiB" }
        return format(Double(n) / Double(1 << 20)) + " MiB"
    }
}
