import Testing

@testable import MUCCore

/// The room tables: a `Dictionary` while small, a tree once large, the same contents and value semantics in
/// either form.
@Suite struct AdaptiveDictionaryTests {
    typealias Table = AdaptiveDictionary<String, Int>

    @Test func becomesATreeAboveTheLargeBoundAndADictionaryBelowTheSmallOne() {
        var table: Table = [:]
        for i in 0...Table.largeCount { table["k\(i)"] = i }
        #expect(table.isTree && table.count == Table.largeCount + 1)
        // Between the bounds it stays what it is, so a table hovering at one bound does not change form
        // on every entry.
        table["k0"] = nil
        #expect(table.isTree)
        for i in 1...(Table.largeCount - Table.smallCount + 1) { table["k\(i)"] = nil }
        #expect(!table.isTree && table.count == Table.smallCount - 1)
        for i in (Table.largeCount - Table.smallCount + 2)...Table.largeCount { #expect(table["k\(i)"] == i) }
        table["k100"] = 100
        #expect(!table.isTree)
    }

    @Test(arguments: [5, 200]) func readsChangesAndRemovesByPosition(count: Int) throws {
        var table: Table = [:]
        for i in 0..<count { table["k\(i)"] = i }
        #expect(table.isTree == (count > Table.largeCount))
        #expect(table.count == count && !table.isEmpty)
        #expect(Set(table.keys) == Set((0..<count).map { "k\($0)" }))
        #expect(table.values.reduce(0, +) == (0..<count).reduce(0, +))
        let index = try #require(table.index(forKey: "k3"))
        #expect(table[index].key == "k3" && table[index].value == 3)
        let removed = table.remove(at: index)
        #expect(removed.key == "k3" && removed.value == 3)
        #expect(table["k3"] == nil && table.count == count - 1)
        #expect(table.index(forKey: "k3") == nil)
        table["k4"] = 40
        #expect(table["k4"] == 40)
    }

    @Test(arguments: [5, 200]) func aKeptCopyDoesNotSeeLaterChanges(count: Int) {
        var table: Table = [:]
        for i in 0..<count { table["k\(i)"] = i }
        let kept = table
        table["k1"] = nil
        table["new"] = -1
        table["k2"] = 22
        #expect(kept.count == count && kept["k1"] == 1 && kept["new"] == nil && kept["k2"] == 2)
        #expect(table.count == count && table["k1"] == nil && table["new"] == -1 && table["k2"] == 22)
    }

    @Test func tablesWithTheSameEntriesAreEqualWhateverTheirForm() {
        let total = Table.largeCount + 5
        let kept = (total - Table.smallCount)..<total
        var tree: Table = [:]
        for i in 0..<total { tree["k\(i)"] = i }
        for i in 0..<kept.lowerBound { tree["k\(i)"] = nil }
        var small: Table = [:]
        for i in kept { small["k\(i)"] = i }
        #expect(tree.isTree && !small.isTree)
        #expect(tree == small)
        small["k\(kept.lowerBound)"] = 0
        #expect(tree != small)
    }
}
