/** The city's time zone, set once from the pack so deep components need no prop chain. */
import { createContext, useContext } from 'react';

export const TimeZoneContext = createContext('Asia/Ho_Chi_Minh');
export const useTimeZone = () => useContext(TimeZoneContext);
