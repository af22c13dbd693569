import HashTreeCollections

/// A dictionary that is a `Dictionary` while small and a `TreeDictionary` (a persistent hash tree) once large.
///
/// roomd keeps a room as it was before a change, to undo the change when the disk refuses it, so the first
/// change of a turn is made to a table a kept copy shares. A `Dictionary` then copies every entry: one kick
/// in a room of 300,000 occupants copied all of them. A tree copies only the path to the entry, but each of
/// its operations, and each node freed when the kept copy goes, costs more than a small `Dictionary`'s
/// whole copy does, and most rooms hold a handful of occupants. So a table is a `Dictionary` up to
/// `largeCount` entries and a tree above; it goes back to a `Dictionary` below `smallCount`, the gap keeping
/// a table that hovers around one bound from changing form on every entry.
@frozen
public struct AdaptiveDictionary<Key: Hashable, Value> {
    @usableFromInline
    enum Storage {
        case small([Key: Value])
        case large(TreeDictionary<Key, Value>)
    }

    @usableFromInline
    var storage: Storage

    /// Above this many entries the table is a tree.
    public static var largeCount: Int { 32 }
    /// Below this many entries a tree becomes a `Dictionary` again.
    public static var smallCount: Int { 16 }

    @inlinable
    public init() {
        storage = .small([:])
    }

    @inlinable
    public var count: Int {
        switch storage {
        case .small(let table): table.count
        case .large(let table): table.count
        }
    }

    @inlinable
    public var isEmpty: Bool {
        switch storage {
        case .small(let table): table.isEmpty
        case .large(let table): table.isEmpty
        }
    }

    /// Whether the table is a tree now (for tests).
    public var isTree: Bool {
        if case .large = storage { return true }
        return false
    }

    @inlinable
    public subscript(key: Key) -> Value? {
        get {
            switch storage {
            case .small(let table): table[key]
            case .large(let table): table[key]
            }
        }
        set {
            // Taken out of `storage` while it changes, so that the table stays uniquely referenced and
            // changes in place.
            switch storage {
            case .small(var table):
                storage = .small([:])
                table[key] = newValue
                storage =
                    table.count > Self.largeCount ? .large(TreeDictionary(uniqueKeysWithValues: table)) : .small(table)
            case .large(var table):
                storage = .small([:])
                table[key] = newValue
                storage = Self.settled(table)
            }
        }
    }

    @usableFromInline
    static func settled(_ table: TreeDictionary<Key, Value>) -> Storage {
        guard table.count < smallCount else { return .large(table) }
        return .small(Dictionary(uniqueKeysWithValues: table.lazy.map { ($0.key, $0.value) }))
    }

    // MARK: Positions

    /// A position in the table, valid until the table changes.
    @frozen
    public struct Index {
        @usableFromInline
        enum Position {
            case small(Dictionary<Key, Value>.Index)
            case large(TreeDictionary<Key, Value>.Index)
        }

        @usableFromInline
        let position: Position

        @inlinable
        init(_ position: Position) { self.position = position }
    }

    @inlinable
    public func index(forKey key: Key) -> Index? {
        switch storage {
        case .small(let table): table.index(forKey: key).map { Index(.small($0)) }
        case .large(let table): table.index(forKey: key).map { Index(.large($0)) }
        }
    }

    @inlinable
    public subscript(position: Index) -> (key: Key, value: Value) {
        switch (storage, position.position) {
        case (.small(let table), .small(let index)): table[index]
        case (.large(let table), .large(let index)): table[index]
        default: preconditionFailure("an index of another form of the table")
        }
    }

    @inlinable
    @discardableResult
    public mutating func remove(at position: Index) -> (key: Key, value: Value) {
        switch storage {
        case .small(var table):
            guard case .small(let index) = position.position else { preconditionFailure("an index of a tree") }
            storage = .small([:])
            let removed = table.remove(at: index)
            storage = .small(table)
            return removed
        case .large(var table):
            guard case .large(let index) = position.position else { preconditionFailure("an index of a Dictionary") }
            storage = .small([:])
            let removed = table.remove(at: index)
            storage = Self.settled(table)
            return removed
        }
    }

    @inlinable
    public var keys: Keys { Keys(base: self) }

    @inlinable
    public var values: Values { Values(base: self) }

    /// The keys, in the table's order, without a copy.
    @frozen
    public struct Keys: Sequence {
        @usableFromInline
        let base: AdaptiveDictionary

        @inlinable
        init(base: AdaptiveDictionary) { self.base = base }

        @inlinable
        public func makeIterator() -> Iterator { Iterator(base: base.makeIterator()) }

        @inlinable
        public var underestimatedCount: Int { base.count }

        @inlinable
        public var first: Key? {
            var iterator = makeIterator()
            return iterator.next()
        }

        @frozen
        public struct Iterator: IteratorProtocol {
            @usableFromInline
            var base: AdaptiveDictionary.Iterator

            @inlinable
            init(base: AdaptiveDictionary.Iterator) { self.base = base }

            @inlinable
            public mutating func next() -> Key? { base.next()?.key }
        }
    }

    /// The values, in the table's order, without a copy.
    @frozen
    public struct Values: Sequence {
        @usableFromInline
        let base: AdaptiveDictionary

        @inlinable
        init(base: AdaptiveDictionary) { self.base = base }

        @inlinable
        public func makeIterator() -> Iterator { Iterator(base: base.makeIterator()) }

        @inlinable
        public var underestimatedCount: Int { base.count }

        @inlinable
        public var first: Value? {
            var iterator = makeIterator()
            return iterator.next()
        }

        @frozen
        public struct Iterator: IteratorProtocol {
            @usableFromInline
            var base: AdaptiveDictionary.Iterator

            @inlinable
            init(base: AdaptiveDictionary.Iterator) { self.base = base }

            @inlinable
            public mutating func next() -> Value? { base.next()?.value }
        }
    }
}

extension AdaptiveDictionary: Sequence {
    @frozen
    public struct Iterator: IteratorProtocol {
        @usableFromInline
        enum Base {
            case small(Dictionary<Key, Value>.Iterator)
            case large(TreeDictionary<Key, Value>.Iterator)
        }

        @usableFromInline
        var base: Base

        @inlinable
        init(_ base: Base) { self.base = base }

        @inlinable
        public mutating func next() -> (key: Key, value: Value)? {
            switch base {
            case .small(var iterator):
                let element = iterator.next()
                base = .small(iterator)
                return element
            case .large(var iterator):
                let element = iterator.next()
                base = .large(iterator)
                return element
            }
        }
    }

    @inlinable
    public func makeIterator() -> Iterator {
        switch storage {
        case .small(let table): Iterator(.small(table.makeIterator()))
        case .large(let table): Iterator(.large(table.makeIterator()))
        }
    }

    @inlinable
    public var underestimatedCount: Int { count }
}

extension AdaptiveDictionary: ExpressibleByDictionaryLiteral {
    @inlinable
    public init(dictionaryLiteral elements: (Key, Value)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}

extension AdaptiveDictionary: Sendable where Key: Sendable, Value: Sendable {}
extension AdaptiveDictionary.Storage: Sendable where Key: Sendable, Value: Sendable {}
extension AdaptiveDictionary.Index: Sendable where Key: Sendable, Value: Sendable {}
extension AdaptiveDictionary.Index.Position: Sendable where Key: Sendable, Value: Sendable {}
extension AdaptiveDictionary.Keys: Sendable where Key: Sendable, Value: Sendable {}
extension AdaptiveDictionary.Values: Sendable where Key: Sendable, Value: Sendable {}

extension AdaptiveDictionary: Equatable where Value: Equatable {
    /// Equal entries, whichever form each table has.
    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.allSatisfy { rhs[$0.key] == $0.value }
    }
}
