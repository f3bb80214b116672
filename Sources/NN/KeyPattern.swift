/// A dot-separated key pattern matched on whole segments; `*` matches any one segment.
struct KeyPattern {
    let segments: [Substring]

    init(_ pattern: String) { segments = pattern.split(separator: ".", omittingEmptySubsequences: false) }

    /// The range of matched segments in `key`, first match (at the start when `anchored`).
    func range(in key: String, anchored: Bool) -> (Range<Int>, [Substring])? {
        let parts = key.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count <= parts.count, !segments.isEmpty else { return nil }
        let starts = anchored ? 0...0 : 0...(parts.count - segments.count)
        for s in starts {
            var wild: [Substring] = []
            var ok = true
            for (i, seg) in segments.enumerated() {
                if seg == "*" {
                    wild.append(parts[s + i])
                } else if seg != parts[s + i] {
                    ok = false
                    break
                }
            }
            if ok { return (s..<(s + segments.count), wild) }
        }
        return nil
    }

    func matchesPrefix(_ key: String) -> Bool { range(in: key, anchored: true) != nil }

    /// `key` with the matched segments replaced by `replacement` (its `*`s take the matched segments in order).
    func replacing(in key: String, with replacement: String, anchored: Bool) -> String? {
        guard let (r, wild) = range(in: key, anchored: anchored) else { return nil }
        var parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var w = wild.makeIterator()
        let rep = replacement.split(separator: ".", omittingEmptySubsequences: false).map { seg -> String in
            seg == "*" ? String(w.next() ?? "*") : String(seg)
        }
        parts.replaceSubrange(r, with: rep)
        return parts.joined(separator: ".")
    }

    /// The replacement when the pattern matches the whole key.
    func replacingWhole(_ key: String, with replacement: String) -> String? {
        guard let (r, _) = range(in: key, anchored: true),
            r.count == key.split(separator: ".", omittingEmptySubsequences: false).count
        else { return nil }
        return replacing(in: key, with: replacement, anchored: true)
    }
}
