package io.dcos.backup.cli;

import java.io.PrintWriter;
import java.util.List;

/** Columns as kubectl prints them: left-aligned, two spaces apart, no trailing blanks. */
final class Table {
  private Table() {}

  /** Prints the rows, the header first; every row has as many cells as the header. */
  static void print(PrintWriter out, List<String[]> rows) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(i == row.length - 1 ? row[i] : String.format("%-" + (widths[i] + 2) + "s", row[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
