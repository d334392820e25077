function onOpen() {
  SpreadsheetApp.getUi().createMenu('Tools').addItem('Run', 'run').addToUi();
}
