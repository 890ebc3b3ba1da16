// The terminal's size, updated on resize (Ink redraws; views re-lay themselves out).
import { useEffect, useState } from 'react'
import { useStdout } from 'ink'

type Size = { columns: number; rows: number }
const sizeOf = (stdout: NodeJS.WriteStream): Size => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 })

/** Columns and rows of stdout (80×24 when it is not a terminal). */
export function useScreenSize(): Size {
  const { stdout } = useStdout()
  const [size, setSize] = useState(() => sizeOf(stdout))
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout))
    stdout.on('resize', onResize)
    return () => void stdout.off('resize', onResize)
  }, [stdout])
  return size
}
