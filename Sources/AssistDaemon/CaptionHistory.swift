import IPC

/// The last captions, newest last, for `repeat` and `history`. Seeded from the journal at start
/// so "repeat" still works after a restart.
struct CaptionHistory {
    private(set) var entries: [HistoryEntry] = []
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    mutating func add(_ e: HistoryEntry) {
        entries.append(e)
        if entries.count > capacity { entries.removeFirst(entries.count - capacity) }
    }

    func resized(to newCapacity: Int) -> CaptionHistory {
        var h = CaptionHistory(capacity: newCapacity)
        entries.forEach { h.add($0) }
        return h
    }

    var last: HistoryEntry? { entries.last }

    func newest(_ limit: Int) -> [HistoryEntry] { Array(entries.suffix(max(0, limit))) }
}
