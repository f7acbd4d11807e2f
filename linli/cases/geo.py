"""Point-in-polygon for GeoJSON boundaries (ray casting; grids are small enough that a
plane is exact enough)."""

from __future__ import annotations


def _in_ring(x: float, y: float, ring) -> bool:
    inside = False
    j = len(ring) - 1
    for i in range(len(ring)):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / ((yj - yi) or 1e-300) + xi:
            inside = not inside
        j = i
    return inside


def _in_polygon(x: float, y: float, polygon) -> bool:
    if not polygon or not _in_ring(x, y, polygon[0]):
        return False
    return not any(_in_ring(x, y, hole) for hole in polygon[1:])


def point_in_boundary(lng: float, lat: float, boundary) -> bool:
    if not boundary:
        return False
    if boundary.get("type") == "Polygon":
        return _in_polygon(lng, lat, boundary.get("coordinates") or [])
    if boundary.get("type") == "MultiPolygon":
        return any(_in_polygon(lng, lat, p) for p in boundary.get("coordinates") or [])
    return False
