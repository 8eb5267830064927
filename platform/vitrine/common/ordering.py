"""Ordered rows (photos) that people move one place at a time."""


def position_move(rows: list, row, offset: int) -> None:
    """Move row by offset (-1 earlier, +1 later) among rows, renumbering positions 0..n-1.

    rows are the siblings in their current order (locked by the caller); a move
    past either end changes nothing.
    """
    index = next(i for i, current in enumerate(rows) if current.pk == row.pk)
    target = index + offset
    if not 0 <= target < len(rows):
        return
    rows[index], rows[target] = rows[target], rows[index]
    for position, current in enumerate(rows):
        if current.position != position:
            current.position = position
            current.save(update_fields=["position"])
