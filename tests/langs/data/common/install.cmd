@echo off
set X=1
