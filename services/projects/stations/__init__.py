"""Photovoltaic stations (光伏扶贫电站): operating assets with a capacity, their generation readings, the
alarms raised from them and reported from phones, and their revenue by month and its allocation."""
