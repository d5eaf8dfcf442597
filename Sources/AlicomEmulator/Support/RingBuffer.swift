/// A FIFO with O(1) amortised push and pop, for the visible messages of a queue.
///
/// `Array.removeFirst` is O(n), which turns a 200,000-message drain quadratic; this keeps a head
/// index instead and compacts only when the dead prefix outgrows the live part.
struct RingBuffer<Element> {
    private var storage: [Element] = []
    private var head = 0

    var count: Int { storage.count - head }
    var isEmpty: Bool { count == 0 }
    var peek: Element? { head < storage.count ? storage[head] : nil }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        head += 1
        if head > 1024 && head * 2 > storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
    }
}

/// A binary min-heap: O(log n) insert and pop of the smallest element.
///
/// `siftSteps` counts element moves so tests can check the queue's complexity by counting work
/// rather than timing it.
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []
    private(set) var siftSteps = 0

    var count: Int { items.count }
    var isEmpty: Bool { items.isEmpty }
    var min: Element? { items.first }

    mutating func insert(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
            siftSteps += 1
        }
    }

    mutating func popMin() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let smallest = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var candidate = parent
            if left < items.count && items[left] < items[candidate] { candidate = left }
            if right < items.count && items[right] < items[candidate] { candidate = right }
            guard candidate != parent else { break }
            items.swapAt(parent, candidate)
            parent = candidate
            siftSteps += 1
        }
        return smallest
    }

    mutating func removeAll() {
        items.removeAll()
    }
}
