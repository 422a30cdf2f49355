import { Table } from '@mantine/core';
import type { ReactNode } from 'react';

/**
 * The list every screen shows: a header row and a row per record. `rowAttributes` gives each
 * row its data-* attributes (what tests and people find a record by: a number, a username).
 */
export function ListTable<T>(props: {
  testId?: string;
  headers: ReactNode[];
  rows: T[];
  rowKey(row: T): string;
  rowAttributes?(row: T): Record<`data-${string}`, string>;
  cells(row: T): ReactNode[];
}) {
  return (
    <Table striped data-testid={props.testId}>
      <Table.Thead>
        <Table.Tr>
          {props.headers.map((h, i) => (
            <Table.Th key={i}>{h}</Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {props.rows.map((row) => (
          <Table.Tr key={props.rowKey(row)} {...props.rowAttributes?.(row)}>
            {props.cells(row).map((cell, i) => (
              <Table.Td key={i}>{cell}</Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
