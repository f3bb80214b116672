import Foundation

/// A thread-safe memo of word → token ids, so that each distinct word is merged once per tokenizer.
final class BPECache: @unchecked Sendable {
    private var storage: [String: [Int32]] = [:]
    private let lock = NSLock()
    /// Past this many words the memo starts over, bounding memory on endless streams of unique words.
    let capacity: Int

    init(capacity: Int = 1 << 20) { self.capacity = capacity }

    func value(for word: String) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return storage[word]
    }

    func store(_ ids: [Int32], for word: String) {
        lock.lock()
        defer { lock.unlock() }
        if storage.count >= capacity { storage.removeAll(keepingCapacity: true) }
        storage[word] = ids
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return storage.count
    }
}
