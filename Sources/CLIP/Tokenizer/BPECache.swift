import Foundation

/// A thread-safe memo of word (UTF-8 bytes) → token ids, so that each distinct word is merged once per tokenizer.
final class BPECache: @unchecked Sendable {
    private var storage: [[UInt8]: [Int32]] = [:]
    private let lock = NSLock()
    /// Past this many words the memo starts over, bounding memory on endless streams of unique words.
    let capacity: Int

    init(capacity: Int = 1 << 20) { self.capacity = capacity }

    func value(for word: [UInt8]) -> [Int32]? {
        lock.lock()
        defer { lock.unlock() }
        return storage[word]
    }

    func store(_ ids: [Int32], for word: [UInt8]) {
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
