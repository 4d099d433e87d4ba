"""Folium/Leaflet map building: base maps, compact vector layers, offline assets."""
