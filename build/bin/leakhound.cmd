@echo off
rem The leakhound CLI inside the installed app: the app binary runs cli.js as Node.
setlocal
set ELECTRON_RUN_AS_NODE=1
set "CLI=%~dp0..\app\dist\electron\cli.js"
if not exist "%CLI%" set "CLI=%~dp0..\app.asar\dist\electron\cli.js"
"%~dp0..\..\leakhound.exe" "%CLI%" %*
exit /b %ERRORLEVEL%
