\echo Use "CREATE EXTENSION kam" (or ALTER EXTENSION kam UPDATE) to load this file. \quit
